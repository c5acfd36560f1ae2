# sti_service(NAME [LIBS...]): builds services/NAME as NAME_core (every .c but main.c,
# plus lua/*.lua embedded) and the executable sti-NAME from main.c. Unit tests
# link every *_core library (see tests/CMakeLists.txt).
function(sti_service name)
    file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.c)
    list(REMOVE_ITEM sources ${CMAKE_CURRENT_SOURCE_DIR}/main.c)
    file(GLOB scripts CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/lua/*.lua)
    if(sources OR scripts)
        add_library(${name}_core STATIC ${sources})
        target_include_directories(${name}_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
        target_link_libraries(${name}_core PUBLIC sti ${ARGN})
        if(scripts)
            sti_embed(${name}_core ${scripts})
        endif()
        set_property(GLOBAL APPEND PROPERTY STI_CORE_LIBS ${name}_core)
    endif()
    # A service whose modules come before its main.c builds only its library.
    if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/main.c)
        return()
    endif()
    add_executable(sti-${name} ${CMAKE_CURRENT_SOURCE_DIR}/main.c)
    # A service on the frame (sti_service_def_t) declares ops: stictl's
    # table of them is made from its --describe-ops (cli/CMakeLists.txt).
    if(NOT name STREQUAL "broker")
        set_property(GLOBAL APPEND PROPERTY STI_OP_SERVICES sti-${name})
    endif()
    if(sources OR scripts)
        target_link_libraries(sti-${name} PRIVATE ${name}_core)
    else()
        target_link_libraries(sti-${name} PRIVATE sti ${ARGN})
    endif()
endfunction()
