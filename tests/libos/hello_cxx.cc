// hello_cxx: C++ iostream, std::string and a static constructor print "Hello World!\n".
#include <iostream>
#include <string>
#include <vector>

static std::string greeting; // set by a static constructor below

struct Init {
    Init()
    {
        greeting = "Hello";
    }
};
static Init init_;

int main()
{
    std::vector<std::string> words{greeting, "World!"};
    std::string line;
    for (const auto &w : words)
        line += (line.empty() ? "" : " ") + w;
    std::cout << line << std::endl;
    return std::cout.good() ? 0 : 1;
}
